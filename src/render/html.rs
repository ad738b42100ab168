//! The browsable audit site: tera templates from `templates/html/` (built
//! into the binary), typed view structs per page, Markdown through
//! [`super::markdown`], item pages rendered in parallel with rayon.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use tera::{Context, Tera};

use super::markdown::{to_html_linked, ImagePolicy};
use super::{page_name, Output, Renderer};
use crate::changes::ChangeSet;
use crate::gate::{ApprovalCheck, GateOutcome};
use crate::git::TracedCommit;
use crate::item::Kind;
use crate::model::{
    AnomalyRow, DeviationRow, EvidenceEntry, HazardRow, JunitSummary, Packet, PacketItem,
    RequirementRow, SoupRow, TestRow, UnboundCase,
};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/html/base.html")),
    (
        "index.html",
        include_str!("../../templates/html/index.html"),
    ),
    (
        "gates.html",
        include_str!("../../templates/html/gates.html"),
    ),
    (
        "documents.html",
        include_str!("../../templates/html/documents.html"),
    ),
    (
        "changes.html",
        include_str!("../../templates/html/changes.html"),
    ),
    (
        "requirements.html",
        include_str!("../../templates/html/requirements.html"),
    ),
    ("risk.html", include_str!("../../templates/html/risk.html")),
    (
        "trace-matrix.html",
        include_str!("../../templates/html/trace-matrix.html"),
    ),
    (
        "verification.html",
        include_str!("../../templates/html/verification.html"),
    ),
    (
        "anomalies.html",
        include_str!("../../templates/html/anomalies.html"),
    ),
    (
        "deviations.html",
        include_str!("../../templates/html/deviations.html"),
    ),
    ("soup.html", include_str!("../../templates/html/soup.html")),
    (
        "approvals.html",
        include_str!("../../templates/html/approvals.html"),
    ),
    (
        "evidence.html",
        include_str!("../../templates/html/evidence.html"),
    ),
    ("item.html", include_str!("../../templates/html/item.html")),
    (
        "releases.html",
        include_str!("../../templates/html/releases.html"),
    ),
];

const ASSETS: &[(&str, &str)] = &[
    (
        "assets/style.css",
        include_str!("../../templates/html/assets/style.css"),
    ),
    (
        "assets/search.js",
        include_str!("../../templates/html/assets/search.js"),
    ),
];

/// The sections of PACKET.md, in order: (page, title).
pub const SECTIONS: &[(&str, &str)] = &[
    ("index.html", "Release identification"),
    ("gates.html", "Release gates"),
    ("documents.html", "Documents"),
    ("changes.html", "Changes"),
    ("requirements.html", "Requirements"),
    ("risk.html", "Risk management"),
    ("trace-matrix.html", "Trace matrix"),
    ("verification.html", "Verification summary"),
    ("anomalies.html", "Unresolved anomalies"),
    ("deviations.html", "Deviations"),
    ("soup.html", "SOUP"),
    ("approvals.html", "Approvals"),
    ("evidence.html", "Evidence index"),
];

static TERA: LazyLock<Result<Tera, String>> = LazyLock::new(|| {
    let mut t = Tera::default();
    t.add_raw_templates(TEMPLATES.iter().copied())
        .map_err(|e| format!("templates: {e:?}"))?;
    t.register_filter("page", |v: &Value, _: &HashMap<String, Value>| {
        Ok(Value::String(page_name(v.as_str().unwrap_or_default())))
    });
    t.autoescape_on(vec![".html"]);
    Ok(t)
});

fn tera() -> Result<&'static Tera, String> {
    TERA.as_ref().map_err(Clone::clone)
}

/// What every page shows in its header.
#[derive(Serialize, Clone)]
struct Header<'a> {
    product: &'a str,
    manufacturer: Option<&'a str>,
    version: &'a str,
    date: &'a str,
    status_label: &'a str,
    releasable: bool,
    digest: &'a str,
    generator: String,
    /// Relative path back to the release folder ("" or "../").
    root: &'static str,
    /// The page being rendered, to mark it in the navigation.
    current: &'a str,
    sections: &'static [(&'static str, &'static str)],
    title: String,
    with_pdf: bool,
}

fn header<'a>(
    p: &'a Packet,
    root: &'static str,
    current: &'a str,
    title: String,
    with_pdf: bool,
) -> Header<'a> {
    Header {
        product: &p.product.name,
        manufacturer: p.product.manufacturer.as_deref(),
        version: &p.product.version,
        date: &p.release.date,
        status_label: &p.release.status_label,
        releasable: p.is_releasable(),
        digest: &p.release.digest,
        generator: format!("{} {}", p.generator.name, p.generator.version),
        root,
        current,
        sections: SECTIONS,
        title,
        with_pdf,
    }
}

#[derive(Serialize)]
struct TextBlock<'a> {
    id: &'a str,
    title: &'a str,
    kind: &'static str,
    html: String,
}

/// Stands for the path back to the release folder in rendered texts, so
/// each text is rendered once for its item page and its section page.
const ROOT: &str = "\u{1}root\u{1}";

/// Every item's Markdown text as safe HTML, ids in it linked, rendered once
/// in parallel; [`text_of`] fills in the page's path to the root.
fn render_texts<'p>(p: &'p Packet, images: &ImagePolicy) -> HashMap<&'p str, String> {
    p.items
        .par_iter()
        .filter_map(|item| {
            let text = item.fields.get("text").and_then(Value::as_str)?;
            let html = to_html_linked(
                text,
                &|id| {
                    (id != item.id && p.item(id).is_some())
                        .then(|| format!("{ROOT}items/{}.html", page_name(id)))
                },
                images,
            );
            Some((item.id.as_str(), html))
        })
        .collect()
}

fn text_of(texts: &HashMap<&str, String>, item: &PacketItem, root: &str) -> String {
    texts
        .get(item.id.as_str())
        .map(|html| html.replace(ROOT, root))
        .unwrap_or_default()
}

#[derive(Serialize)]
struct ValueView {
    text: String,
    /// Set when the value is an item id: the page it links to.
    href: Option<String>,
}

#[derive(Serialize)]
struct FieldView {
    name: String,
    values: Vec<ValueView>,
}

#[derive(Serialize)]
struct RelationView {
    relation: String,
    ids: Vec<String>,
}

#[derive(Serialize)]
struct ItemPage<'a> {
    h: Header<'a>,
    item: &'a PacketItem,
    kind: &'static str,
    text_html: String,
    fields: Vec<FieldView>,
    referenced_by: Vec<RelationView>,
    requirement: Option<&'a RequirementRow>,
    test: Option<&'a TestRow>,
    hazard: Option<&'a HazardRow>,
    approval: Option<&'a ApprovalCheck>,
    suspect: Option<String>,
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn field_views(p: &Packet, item: &PacketItem) -> Vec<FieldView> {
    let link_fields: Vec<&str> = item.kind.links().iter().map(|l| l.0).collect();
    item.fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "id" | "title" | "text"))
        .map(|(k, v)| {
            let is_link = link_fields.contains(&k.as_str());
            let raw: Vec<String> = match v {
                Value::Array(a) => a.iter().map(scalar_text).collect(),
                other => vec![scalar_text(other)],
            };
            FieldView {
                name: k.clone(),
                values: raw
                    .into_iter()
                    .map(|text| {
                        let href = (is_link && p.item(&text).is_some()).then(|| page_name(&text));
                        ValueView { text, href }
                    })
                    .collect(),
            }
        })
        .collect()
}

pub struct HtmlRenderer {
    /// Whether packet.pdf is part of this packet (not with `--no-pdf`).
    pub with_pdf: bool,
    /// `[packet] remote_images`: the hosts whose images pages may load.
    pub remote_images: Vec<crate::config::ImageHost>,
}

impl Renderer for HtmlRenderer {
    fn name(&self) -> &'static str {
        "html"
    }

    fn render(&self, p: &Packet, out: &dyn Output) -> Result<(), String> {
        let tera = tera()?;
        for (path, text) in ASSETS {
            out.put(path, text.as_bytes().to_vec())?;
        }
        out.put("assets/search-index.js", search_index(p))?;
        let images = ImagePolicy::new(self.remote_images.iter().map(|h| h.0.clone()));
        let csp = images.content_security_policy();
        let texts = render_texts(p, &images);
        let title = |page: &str| {
            SECTIONS
                .iter()
                .find(|s| s.0 == page)
                .map(|s| s.1.to_string())
                .unwrap_or_default()
        };
        type Page<'p> = Box<dyn Fn() -> Result<Context, String> + Sync + 'p>;
        let pages: Vec<(&str, Page<'_>)> = vec![
            (
                "index.html",
                Box::new(|| {
                    ctx(&IndexPage {
                        h: header(p, "", "index.html", title("index.html"), self.with_pdf),
                        p: IndexView {
                            product: &p.product,
                            release: &p.release,
                            generator: &p.generator,
                            gates: &p.gates,
                            items: p.items.len(),
                            requirements: p.requirements.len(),
                            tests: p.tests.len(),
                            hazards: p.hazards.len(),
                            evidence: p.evidence.len(),
                        },
                    })
                }),
            ),
            (
                "gates.html",
                Box::new(|| {
                    ctx(&GatesPage {
                        h: header(p, "", "gates.html", title("gates.html"), self.with_pdf),
                        gates: &p.gates,
                        deviations: &p.deviations,
                    })
                }),
            ),
            (
                "documents.html",
                Box::new(|| {
                    ctx(&DocumentsPage {
                        h: header(
                            p,
                            "",
                            "documents.html",
                            title("documents.html"),
                            self.with_pdf,
                        ),
                        documents: p
                            .documents
                            .iter()
                            .filter_map(|id| p.item(id))
                            .map(|i| TextBlock {
                                id: &i.id,
                                title: &i.title,
                                kind: i.kind.name(),
                                html: text_of(&texts, i, ""),
                            })
                            .collect(),
                    })
                }),
            ),
            (
                "changes.html",
                Box::new(|| {
                    ctx(&ChangesPage {
                        h: header(p, "", "changes.html", title("changes.html"), self.with_pdf),
                        records: p
                            .changes
                            .records
                            .iter()
                            .filter_map(|id| p.item(id))
                            .map(|i| RecordView {
                                item: i,
                                html: text_of(&texts, i, ""),
                                fields: field_views(p, i),
                            })
                            .collect(),
                        commits: &p.changes.commits,
                        since: p.changes.since_previous.as_ref(),
                    })
                }),
            ),
            (
                "requirements.html",
                Box::new(|| {
                    ctx(&RequirementsPage {
                        h: header(
                            p,
                            "",
                            "requirements.html",
                            title("requirements.html"),
                            self.with_pdf,
                        ),
                        requirements: p
                            .requirements
                            .iter()
                            .map(|r| RequirementView {
                                row: r,
                                html: p
                                    .item(&r.id)
                                    .map(|i| text_of(&texts, i, ""))
                                    .unwrap_or_default(),
                            })
                            .collect(),
                    })
                }),
            ),
            (
                "risk.html",
                Box::new(|| {
                    ctx(&RiskPage {
                        h: header(p, "", "risk.html", title("risk.html"), self.with_pdf),
                        hazards: &p.hazards,
                    })
                }),
            ),
            (
                "trace-matrix.html",
                Box::new(|| {
                    ctx(&TracePage {
                        h: header(
                            p,
                            "",
                            "trace-matrix.html",
                            title("trace-matrix.html"),
                            self.with_pdf,
                        ),
                        requirements: &p.requirements,
                        tests: &p.tests,
                    })
                }),
            ),
            (
                "verification.html",
                Box::new(|| {
                    ctx(&VerificationPage {
                        h: header(
                            p,
                            "",
                            "verification.html",
                            title("verification.html"),
                            self.with_pdf,
                        ),
                        by_outcome: &p.verification.by_outcome,
                        by_method: &p.verification.by_method,
                        tests: &p.tests,
                        unbound: &p.verification.unbound,
                        junit_files: &p.verification.junit_files,
                    })
                }),
            ),
            (
                "anomalies.html",
                Box::new(|| {
                    ctx(&AnomaliesPage {
                        h: header(
                            p,
                            "",
                            "anomalies.html",
                            title("anomalies.html"),
                            self.with_pdf,
                        ),
                        anomalies: &p.anomalies,
                    })
                }),
            ),
            (
                "deviations.html",
                Box::new(|| {
                    ctx(&DeviationsPage {
                        h: header(
                            p,
                            "",
                            "deviations.html",
                            title("deviations.html"),
                            self.with_pdf,
                        ),
                        deviations: &p.deviations,
                    })
                }),
            ),
            (
                "soup.html",
                Box::new(|| {
                    ctx(&SoupPage {
                        h: header(p, "", "soup.html", title("soup.html"), self.with_pdf),
                        soup: &p.soup,
                    })
                }),
            ),
            (
                "approvals.html",
                Box::new(|| {
                    ctx(&ApprovalsPage {
                        h: header(
                            p,
                            "",
                            "approvals.html",
                            title("approvals.html"),
                            self.with_pdf,
                        ),
                        approvals: &p.approvals,
                    })
                }),
            ),
            (
                "evidence.html",
                Box::new(|| {
                    ctx(&EvidencePage {
                        h: header(
                            p,
                            "",
                            "evidence.html",
                            title("evidence.html"),
                            self.with_pdf,
                        ),
                        evidence: &p.evidence,
                        policies: &p.policies,
                    })
                }),
            ),
        ];
        pages.into_par_iter().try_for_each(|(name, make)| {
            let mut c = make()?;
            c.insert("csp", &csp);
            let html = tera
                .render(name, &c)
                .map_err(|e| format!("{name}: {}", error_chain(&e)))?;
            out.put(name, html.into_bytes())
        })?;
        let by_req: HashMap<&str, &RequirementRow> =
            p.requirements.iter().map(|r| (r.id.as_str(), r)).collect();
        let by_test: HashMap<&str, &TestRow> = p.tests.iter().map(|t| (t.id.as_str(), t)).collect();
        let by_hazard: HashMap<&str, &HazardRow> =
            p.hazards.iter().map(|h| (h.id.as_str(), h)).collect();
        let by_approval: HashMap<&str, &ApprovalCheck> =
            p.approvals.iter().map(|a| (a.id.as_str(), a)).collect();
        let suspects: HashMap<&str, &str> = p
            .changes
            .since_previous
            .iter()
            .flat_map(|c| c.suspect.iter().map(|s| (s.id.as_str(), s.reason.as_str())))
            .collect();
        p.items.par_iter().try_for_each(|item| {
            let page = ItemPage {
                h: header(
                    p,
                    "../",
                    "",
                    format!("{} {}", item.id, item.title),
                    self.with_pdf,
                ),
                item,
                kind: item.kind.name(),
                text_html: text_of(&texts, item, "../"),
                fields: field_views(p, item),
                referenced_by: item
                    .referenced_by
                    .iter()
                    .map(|(k, v)| RelationView {
                        relation: k.clone(),
                        ids: v.clone(),
                    })
                    .collect(),
                requirement: by_req
                    .get(item.id.as_str())
                    .copied()
                    .filter(|_| item.kind == Kind::Requirement),
                test: by_test
                    .get(item.id.as_str())
                    .copied()
                    .filter(|_| item.kind == Kind::Test),
                hazard: by_hazard
                    .get(item.id.as_str())
                    .copied()
                    .filter(|_| item.kind == Kind::Hazard),
                approval: by_approval
                    .get(item.id.as_str())
                    .copied()
                    .filter(|_| item.kind == Kind::Approval),
                suspect: suspects.get(item.id.as_str()).map(|s| s.to_string()),
            };
            let mut c = ctx(&page)?;
            c.insert("csp", &csp);
            let html = tera
                .render("item.html", &c)
                .map_err(|e| format!("item {}: {}", item.id, error_chain(&e)))?;
            out.put(
                &format!("items/{}.html", page_name(&item.id)),
                html.into_bytes(),
            )
        })
    }
}

fn ctx<T: Serialize>(v: &T) -> Result<Context, String> {
    Context::from_serialize(v).map_err(|e| e.to_string())
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

#[derive(Serialize)]
struct IndexPage<'a> {
    h: Header<'a>,
    p: IndexView<'a>,
}

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
struct GatesPage<'a> {
    h: Header<'a>,
    gates: &'a [GateOutcome],
    deviations: &'a [DeviationRow],
}
#[derive(Serialize)]
struct DocumentsPage<'a> {
    h: Header<'a>,
    documents: Vec<TextBlock<'a>>,
}
#[derive(Serialize)]
struct RecordView<'a> {
    item: &'a PacketItem,
    html: String,
    fields: Vec<FieldView>,
}
#[derive(Serialize)]
struct ChangesPage<'a> {
    h: Header<'a>,
    records: Vec<RecordView<'a>>,
    commits: &'a [TracedCommit],
    since: Option<&'a ChangeSet>,
}
#[derive(Serialize)]
struct RequirementView<'a> {
    row: &'a RequirementRow,
    html: String,
}
#[derive(Serialize)]
struct RequirementsPage<'a> {
    h: Header<'a>,
    requirements: Vec<RequirementView<'a>>,
}
#[derive(Serialize)]
struct RiskPage<'a> {
    h: Header<'a>,
    hazards: &'a [HazardRow],
}
#[derive(Serialize)]
struct TracePage<'a> {
    h: Header<'a>,
    requirements: &'a [RequirementRow],
    tests: &'a [TestRow],
}
#[derive(Serialize)]
struct VerificationPage<'a> {
    h: Header<'a>,
    by_outcome: &'a BTreeMap<String, usize>,
    by_method: &'a BTreeMap<String, usize>,
    tests: &'a [TestRow],
    unbound: &'a [UnboundCase],
    junit_files: &'a [JunitSummary],
}
#[derive(Serialize)]
struct AnomaliesPage<'a> {
    h: Header<'a>,
    anomalies: &'a [AnomalyRow],
}
#[derive(Serialize)]
struct DeviationsPage<'a> {
    h: Header<'a>,
    deviations: &'a [DeviationRow],
}
#[derive(Serialize)]
struct SoupPage<'a> {
    h: Header<'a>,
    soup: &'a [SoupRow],
}
#[derive(Serialize)]
struct ApprovalsPage<'a> {
    h: Header<'a>,
    approvals: &'a [ApprovalCheck],
}
#[derive(Serialize)]
struct EvidencePage<'a> {
    h: Header<'a>,
    evidence: &'a [EvidenceEntry],
    policies: &'a [crate::model::PolicyEntry],
}

/// The search index as a script (`file://` forbids fetching JSON): per
/// item its id, kind, title and the distinct words of its title and text.
fn search_index(p: &Packet) -> Vec<u8> {
    #[derive(Serialize)]
    struct Entry<'a>(&'a str, &'a str, &'a str, String, String);
    let entries: Vec<Entry<'_>> = p
        .items
        .par_iter()
        .map(|i| {
            let text = i.fields.get("text").and_then(Value::as_str).unwrap_or("");
            let mut words: Vec<String> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for w in format!("{} {}", i.title, text)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() > 1)
            {
                let w = w.to_lowercase();
                if seen.insert(w.clone()) {
                    words.push(w);
                }
                if words.len() >= 300 {
                    break;
                }
            }
            Entry(
                &i.id,
                i.kind.name(),
                &i.title,
                words.join(" "),
                page_name(&i.id),
            )
        })
        .collect();
    let json = serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into());
    // `</script>` cannot appear: this is a separate file, and JSON escapes
    // nothing dangerous for a script context other than U+2028/2029.
    let json = json
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    format!("window.RELPACK_SEARCH = {json};\n").into_bytes()
}

/// One release in OUT, for OUT/index.html.
#[derive(Serialize, Clone, Debug)]
pub struct ReleaseEntry {
    pub folder: String,
    pub product: String,
    pub version: String,
    pub date: String,
    pub status: String,
    pub status_label: String,
}

pub fn render_release_list(entries: &[ReleaseEntry]) -> Result<Vec<u8>, String> {
    #[derive(Serialize)]
    struct Page<'a> {
        releases: &'a [ReleaseEntry],
    }
    let tera = tera()?;
    let c = ctx(&Page { releases: entries })?;
    tera.render("releases.html", &c)
        .map(String::into_bytes)
        .map_err(|e| format!("releases.html: {}", error_chain(&e)))
}
