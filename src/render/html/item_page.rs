//! One page per item (`items/<page>.html`), rendered in parallel.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::site::{Header, Site};
use super::templates;
use crate::gate::ApprovalCheck;
use crate::item::Kind;
use crate::model::json::Element;
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
/// its title, which comes from the item (see `render_all`'s key). The item
/// and its requirement or test row enter the key as packet.json's bytes of
/// them (`key_of`); the rest is serialized into it whole, so whatever is
/// added there is keyed too.
#[derive(Serialize)]
struct ItemBody<'a> {
    item: &'a PacketItem,
    requirement: Option<&'a RequirementRow>,
    test: Option<&'a TestRow>,
    #[serde(flatten)]
    rest: BodyRest<'a>,
}

#[derive(Serialize)]
struct BodyRest<'a> {
    kind: &'static str,
    text_html: String,
    fields: Vec<FieldView>,
    referenced_by: Vec<RelationView<'a>>,
    hazard: Option<&'a HazardRow>,
    approval: Option<&'a ApprovalCheck>,
    suspect: Option<&'a str>,
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
                        let link = is_link && p.item(&text).is_some();
                        ValueView { text, link }
                    })
                    .collect(),
            }
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
    let body = ItemBody {
        item,
        requirement: requirement.map(|r| &p.requirements[r]),
        test: test.map(|t| &p.tests[t]),
        rest: BodyRest {
            kind: item.kind.name(),
            text_html: site.text_of(item, "../"),
            fields: field_views(p, item),
            referenced_by: item
                .referenced_by
                .iter()
                .map(|(relation, ids)| RelationView { relation, ids })
                .collect(),
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
        },
    };
    let key = (!shared.is_empty()).then(|| key_of(p, &body, n, requirement, test, shared));
    crate::render::reuse_or_render(out, &path, key.flatten(), || {
        let page = ItemPage {
            h: site.header("../", "", format!("{} {}", item.id, item.title)),
            body,
        };
        templates::render("item.html", &page, Some(&site.csp))
    })
}

/// The key of an item page's inputs: the item and its requirement or test
/// row by the digests of their packet.json bytes (`model::json`), then the
/// rest of the view. Without those, the whole view is serialized.
fn key_of(
    p: &Packet,
    body: &ItemBody<'_>,
    n: usize,
    requirement: Option<usize>,
    test: Option<usize>,
    shared: &str,
) -> Option<String> {
    let Some(json) = &p.json else {
        return crate::render::input_key("item.html", body, shared);
    };
    let raw = [
        Some(json.items.get(n)?.sha256.as_slice()),
        row(&json.requirements, requirement)?,
        row(&json.tests, test)?,
    ];
    crate::render::input_key_raw("item.html", &raw, &body.rest, shared)
}

/// A row's digest in `list`: `Some(None)` for an item without such a row,
/// `None` when `list` has no row `at` (the key cannot be made).
fn row(list: &[Element], at: Option<usize>) -> Option<Option<&[u8]>> {
    match at {
        Some(i) => Some(Some(list.get(i)?.sha256.as_slice())),
        None => Some(None),
    }
}
