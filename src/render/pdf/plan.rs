//! How the packet is split into typst compilations. typst lays a document
//! out on one thread and keeps every layout of a compilation in memory
//! until it ends; a 2,000-page packet took 40 s and 6 GB that way. So the
//! sections are cut into *pieces* (runs of at most about
//! [`PAGES_PER_PART`] pages of rows), consecutive pieces are packed into
//! *parts*, and parts are compiled side by side and their pages joined
//! (see `join`). A part boundary inside a section starts a new page; one
//! between sections costs nothing, as every section starts on a new page.

use serde::Serialize;
use serde_json::Value;

/// Roughly how many pages one part lays out.
pub const PAGES_PER_PART: f64 = 60.0;

/// The sections in packet order: template function, where its rows are in
/// the packet (if it has rows to cut), and about how many pages a row takes.
const SECTIONS: &[(&str, Option<&str>, f64)] = &[
    ("ident", None, 0.0),
    ("gates", None, 0.0),
    ("documents", None, 0.0),
    ("changes", None, 0.0),
    ("requirements", Some("requirements"), 0.14),
    ("risk", Some("hazards"), 0.07),
    ("trace", Some("requirements"), 0.06),
    ("verification", Some("tests"), 0.06),
    ("unbound", Some("unbound"), 0.025),
    ("anomalies", Some("anomalies"), 0.05),
    ("deviations", Some("deviations"), 0.05),
    ("soup", Some("soup"), 0.05),
    ("approvals", Some("approvals"), 0.08),
    ("evidence", Some("evidence"), 0.015),
    ("appendix", Some("appendix"), 0.03),
];

/// The packet as the parts see it: `packet` without the arrays that are
/// cut into rows (so each part parses only its own rows), the rows by name,
/// and the items that documents and change records are read from.
pub struct Plan {
    packet: Value,
    rows: serde_json::Map<String, Value>,
    items: Value,
}

#[derive(Serialize)]
struct Piece<'a> {
    section: &'static str,
    first: bool,
    last: bool,
    empty: bool,
    rows: &'a [Value],
}

#[derive(Serialize)]
struct PartData<'a> {
    mode: &'static str,
    packet: &'a Value,
    items: &'a Value,
    pieces: Vec<Piece<'a>>,
}

#[derive(Serialize)]
struct FrontData<'a> {
    mode: &'static str,
    packet: &'a Value,
    toc: &'a [TocEntry],
}

#[derive(Serialize)]
struct StampData<'a> {
    mode: &'static str,
    packet: &'a Value,
    pages: usize,
}

/// One line of the contents.
#[derive(Serialize)]
pub struct TocEntry {
    pub level: usize,
    pub numbers: Option<String>,
    pub title: String,
    pub page: usize,
    /// The anchor the line links to.
    pub target: String,
}

impl Plan {
    /// `view` is `{packet, items}` as `view_data` made it.
    pub fn new(mut view: Value) -> Plan {
        let mut packet = view["packet"].take();
        let mut rows = serde_json::Map::new();
        for key in [
            "requirements",
            "hazards",
            "tests",
            "anomalies",
            "deviations",
            "soup",
            "approvals",
            "evidence",
        ] {
            rows.insert(key.into(), packet[key].take());
        }
        rows.insert("unbound".into(), packet["verification"]["unbound"].take());
        // The appendix: needs, and anomalies no longer open.
        let appendix: Vec<Value> = packet["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|i| {
                i["kind"] == "need"
                    || (i["kind"] == "anomaly" && i["fields"]["status"] == "resolved")
            })
            .cloned()
            .collect();
        rows.insert("appendix".into(), Value::Array(appendix));
        for key in ["items", "results"] {
            if let Some(obj) = packet.as_object_mut() {
                obj.remove(key);
            }
        }
        Plan {
            packet,
            rows,
            items: view["items"].take(),
        }
    }

    /// The data of each part (of about `pages_per_part` pages), in page
    /// order.
    pub fn parts(&self, pages_per_part: f64) -> Vec<Vec<u8>> {
        let mut pieces: Vec<(f64, Piece)> = Vec::new();
        for &(section, rows_key, per_row) in SECTIONS {
            let rows: &[Value] = rows_key
                .and_then(|k| self.rows.get(k))
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let per_piece = if per_row > 0.0 {
                ((pages_per_part / per_row) as usize).max(1)
            } else {
                usize::MAX
            };
            let chunks: Vec<&[Value]> = if rows.is_empty() {
                vec![rows]
            } else {
                rows.chunks(per_piece.min(rows.len())).collect()
            };
            let n = chunks.len();
            for (i, chunk) in chunks.into_iter().enumerate() {
                let weight = 1.0 + chunk.len() as f64 * per_row;
                pieces.push((
                    weight,
                    Piece {
                        section,
                        first: i == 0,
                        last: i + 1 == n,
                        empty: rows.is_empty(),
                        rows: chunk,
                    },
                ));
            }
        }
        let mut parts: Vec<Vec<Piece>> = Vec::new();
        let mut weight = 0.0;
        for (w, piece) in pieces {
            match parts.last_mut() {
                Some(part) if weight + w <= pages_per_part => {
                    part.push(piece);
                    weight += w;
                }
                _ => {
                    parts.push(vec![piece]);
                    weight = w;
                }
            }
        }
        let none = Value::Null;
        parts
            .into_iter()
            .map(|pieces| {
                let wants_items = pieces
                    .iter()
                    .any(|p| matches!(p.section, "documents" | "changes"));
                let data = PartData {
                    mode: "part",
                    packet: &self.packet,
                    items: if wants_items { &self.items } else { &none },
                    pieces,
                };
                serde_json::to_vec(&data).unwrap_or_default()
            })
            .collect()
    }

    /// The cover and the contents.
    pub fn front(&self, toc: &[TocEntry]) -> Vec<u8> {
        let data = FrontData {
            mode: "front",
            packet: &self.packet,
            toc,
        };
        serde_json::to_vec(&data).unwrap_or_default()
    }

    /// One page per packet page, each with its footer.
    pub fn stamp(&self, pages: usize) -> Vec<u8> {
        let data = StampData {
            mode: "stamp",
            packet: &self.packet,
            pages,
        };
        serde_json::to_vec(&data).unwrap_or_default()
    }
}
