//! One page per item (`items/<page>.html`), rendered in parallel.

use crate::fasthash::HashMap;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::site::{Header, Site};
use super::templates;
use crate::gate::ApprovalCheck;
use crate::item::Kind;
use crate::model::json::{Element, JsonParts};
use crate::model::{HazardRow, Packet, PacketItem, RequirementRow, TestRow};
use crate::names::page_name;
use crate::render::{Output, RenderError};

#[derive(Serialize)]
pub struct ValueView {
    text: String,
    /// Set when the value is an item id of this packet.
    link: bool,
}

#[derive(Serialize)]
pub struct FieldView {
    name: String,
    values: Vec<ValueView>,
}

#[derive(Serialize)]
struct RelationView<'a> {
    relation: &'a str,
    ids: &'a [String],
}

#[derive(Serialize)]
struct ItemPage<'a> {
    h: Header<'a>,
    #[serde(flatten)]
    body: ItemBody<'a>,
}

/// What differs between item pages: their header is the same for all but
/// its title, which comes from the item (see `render_all`'s key). A page
/// is made from its item, its requirement or test row and its [`Inputs`]
/// only (`ItemBody::of`), and its key hashes exactly those (`key_of`), so
/// a page whose key is unchanged is unchanged.
#[derive(Serialize)]
struct ItemBody<'a> {
    item: &'a PacketItem,
    requirement: Option<&'a RequirementRow>,
    test: Option<&'a TestRow>,
    kind: &'static str,
    text_html: String,
    fields: Vec<FieldView>,
    referenced_by: Vec<RelationView<'a>>,
    hazard: Option<&'a HazardRow>,
    approval: Option<&'a ApprovalCheck>,
    suspect: Option<&'a str>,
}

/// An item page's inputs beyond its item and rows, as cheap to hash as
/// they can be: its text as the site keeps it (links to the release folder
/// marked, see `Site::text_stored`), and whether each value of its fields
/// names an item of the packet, instead of the fields' views.
#[derive(Serialize)]
struct Inputs<'a> {
    text: &'a str,
    links: Vec<bool>,
    hazard: Option<&'a HazardRow>,
    approval: Option<&'a ApprovalCheck>,
    suspect: Option<&'a str>,
}

impl<'a> ItemBody<'a> {
    fn of(
        item: &'a PacketItem,
        requirement: Option<&'a RequirementRow>,
        test: Option<&'a TestRow>,
        inputs: Inputs<'a>,
    ) -> ItemBody<'a> {
        ItemBody {
            item,
            requirement,
            test,
            kind: item.kind.name(),
            text_html: super::site::text_at(inputs.text, "../"),
            fields: field_views_with(item, &inputs.links),
            referenced_by: item
                .referenced_by
                .iter()
                .map(|(relation, ids)| RelationView { relation, ids })
                .collect(),
            hazard: inputs.hazard,
            approval: inputs.approval,
            suspect: inputs.suspect,
        }
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// An item's fields as shown: every field but id, title and text, the ids
/// in its link fields marked for linking.
pub fn field_views(p: &Packet, item: &PacketItem) -> Vec<FieldView> {
    field_views_with(item, &field_links(p, item))
}

/// The fields an item page shows, in order.
fn shown_fields(item: &PacketItem) -> impl Iterator<Item = (&String, &Value)> {
    item.fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "id" | "title" | "text"))
}

/// Each value of a field, as [`field_views`] lists them.
fn values(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) => a,
        other => std::slice::from_ref(other),
    }
}

/// For each value of each shown field in turn: whether it is an id, in one
/// of the item's link fields, of an item of this packet.
fn field_links(p: &Packet, item: &PacketItem) -> Vec<bool> {
    let link_fields = item.kind.links();
    let mut links = Vec::new();
    for (k, v) in shown_fields(item) {
        let is_link = link_fields.iter().any(|l| l.0 == k.as_str());
        for value in values(v) {
            links.push(
                is_link
                    && match value {
                        Value::String(s) => p.item(s).is_some(),
                        other => p.item(&scalar_text(other)).is_some(),
                    },
            );
        }
    }
    links
}

/// The fields' views, linked as `links` (from [`field_links`]) says.
fn field_views_with(item: &PacketItem, links: &[bool]) -> Vec<FieldView> {
    let mut links = links.iter().copied();
    shown_fields(item)
        .map(|(k, v)| FieldView {
            name: k.clone(),
            values: values(v)
                .iter()
                .map(|value| ValueView {
                    text: scalar_text(value),
                    link: links.next().unwrap_or(false),
                })
                .collect(),
        })
        .collect()
}

/// The rows of the packet's sections by item id (their index in the
/// packet's lists), so an item's page shows the same row its section does.
struct Rows<'p> {
    requirements: HashMap<&'p str, usize>,
    tests: HashMap<&'p str, usize>,
    hazards: HashMap<&'p str, &'p HazardRow>,
    approvals: HashMap<&'p str, &'p ApprovalCheck>,
    suspects: HashMap<&'p str, &'p str>,
}

impl<'p> Rows<'p> {
    fn of(p: &'p Packet) -> Rows<'p> {
        Rows {
            requirements: p
                .requirements
                .iter()
                .enumerate()
                .map(|(n, r)| (r.id.as_str(), n))
                .collect(),
            tests: p
                .tests
                .iter()
                .enumerate()
                .map(|(n, t)| (t.id.as_str(), n))
                .collect(),
            hazards: p.hazards.iter().map(|h| (h.id.as_str(), h)).collect(),
            approvals: p.approvals.iter().map(|a| (a.id.as_str(), a)).collect(),
            suspects: p
                .changes
                .since_previous
                .iter()
                .flat_map(|c| c.suspect.iter().map(|s| (s.id.as_str(), s.reason.as_str())))
                .collect(),
        }
    }
}

/// Every item's page, in parallel, each handed to `out` as it is made.
pub fn render_all(site: &Site<'_>, out: &dyn Output) -> Result<(), RenderError> {
    let p = site.p;
    let rows = Rows::of(p);
    // An item page's key hashes its header once for all pages (with the
    // CSP); the header's one varying part, the title, is the item's id and
    // title, which the body holds.
    let shared = crate::render::input_key(
        "item.html header",
        &site.header("../", "", String::new()),
        &site.csp,
    )
    .unwrap_or_default();
    p.items.par_iter().enumerate().try_for_each(|(n, item)| {
        render_one(site, &rows, n, item, &shared, out).map_err(|e| match e {
            RenderError::Template { template, message } => RenderError::Template {
                template: format!("{template} (item {})", item.id),
                message,
            },
            other => other,
        })?;
        Ok(())
    })
}

/// One item's page: linked from the earlier build when its view is the
/// same (an edit touches a handful of the 100k pages), else rendered.
fn render_one(
    site: &Site<'_>,
    rows: &Rows<'_>,
    n: usize,
    item: &PacketItem,
    shared: &str,
    out: &dyn Output,
) -> Result<(), RenderError> {
    let p = site.p;
    let path = format!("items/{}.html", page_name(&item.id));
    let id = item.id.as_str();
    let of_kind = |kind: Kind| item.kind == kind;
    let requirement = rows
        .requirements
        .get(id)
        .copied()
        .filter(|_| of_kind(Kind::Requirement));
    let test = rows.tests.get(id).copied().filter(|_| of_kind(Kind::Test));
    let requirement_row = requirement.map(|r| &p.requirements[r]);
    let test_row = test.map(|t| &p.tests[t]);
    let inputs = Inputs {
        text: site.text_stored(item),
        links: field_links(p, item),
        hazard: rows
            .hazards
            .get(id)
            .copied()
            .filter(|_| of_kind(Kind::Hazard)),
        approval: rows
            .approvals
            .get(id)
            .copied()
            .filter(|_| of_kind(Kind::Approval)),
        suspect: rows.suspects.get(id).copied(),
    };
    let key = (!shared.is_empty())
        .then(|| key_of(site.json.as_ref(), n, requirement, test, &inputs, shared))
        .flatten();
    crate::render::reuse_or_render(out, &path, key, || {
        let page = ItemPage {
            h: site.header("../", "", format!("{} {}", item.id, item.title)),
            body: ItemBody::of(item, requirement_row, test_row, inputs),
        };
        templates::render("item.html", &page, Some(&site.csp))
    })
}

/// The key of an item page's inputs: the item and its requirement or test
/// row by the digests of their packet.json bytes (`model::json`), then its
/// [`Inputs`]. `None` without those digests: the page is rendered.
fn key_of(
    json: Option<&JsonParts>,
    n: usize,
    requirement: Option<usize>,
    test: Option<usize>,
    inputs: &Inputs<'_>,
    shared: &str,
) -> Option<String> {
    let json = json?;
    let raw = [
        Some(json.items.get(n)?.sha256.as_slice()),
        row(&json.requirements, requirement)?,
        row(&json.tests, test)?,
    ];
    crate::render::input_key_raw("item.html", &raw, inputs, shared)
}

/// A row's digest in `list`: `Some(None)` for an item without such a row,
/// `None` when `list` has no row `at` (the key cannot be made).
fn row(list: &[Element], at: Option<usize>) -> Option<Option<&[u8]>> {
    match at {
        Some(i) => Some(Some(list.get(i)?.sha256.as_slice())),
        None => Some(None),
    }
}
