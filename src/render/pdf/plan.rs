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

/// The PDF lists at most this many JUnit cases bound to no test, and says
/// how many more there are: a report of a million cases would be 25,000
/// pages nobody reads, laid out in memory. packet.json and the site keep
/// every case.
pub const PDF_UNBOUND_CASES: usize = 1000;

/// The most runs the PDF lists for one test (a pattern can bind thousands
/// of cases); the rest are counted, and listed in packet.json and on the
/// test's page of the site.
pub const PDF_RUNS_PER_TEST: usize = 100;

/// The sections in packet order: template function, where its rows are in
/// the packet (if it has rows to cut), and about how many pages a row takes.
const SECTIONS: &[(&str, Option<&str>, f64)] = &[
    ("ident", None, 0.0),
    ("gates", None, 0.0),
    ("documents", Some("documents"), 0.5),
    ("changes", Some("changes"), 0.15),
    ("requirements", Some("requirements"), 0.14),
    ("risk", Some("hazards"), 0.07),
    ("trace", Some("requirements"), 0.057),
    ("verification", Some("tests"), 0.055),
    ("property", Some("property"), 0.025),
    ("unbound", Some("unbound"), 0.025),
    ("anomalies", Some("anomalies"), 0.05),
    ("deviations", Some("deviations"), 0.05),
    ("soup", Some("soup"), 0.05),
    ("approvals", Some("approvals"), 0.08),
    ("evidence", Some("evidence"), 0.04),
    ("regulatory", None, 0.0),
    ("appendix", Some("appendix"), 0.04),
];

/// The packet as the parts see it: `packet` without the arrays that are
/// cut into rows (so each part parses only its own rows), and the rows by
/// name (documents and change records are rows of their items).
pub struct Plan {
    packet: Value,
    rows: serde_json::Map<String, Value>,
    widths: Widths,
}

/// Widths (in em) of the narrow id and number columns of the big tables.
/// typst would measure every cell of an `auto` column for each chunk of
/// rows, which made those tables twice as slow, and gave the columns a
/// different width on every page; relpack knows the strings, so it sizes
/// the columns once for the whole section.
#[derive(Serialize, Default)]
struct Widths {
    need: f64,
    hazards: f64,
    bytes: f64,
}

/// Keep the first `max` elements of an array; how many were left out.
fn cap(list: &mut Value, max: usize) -> Option<usize> {
    let a = list.as_array_mut()?;
    let more = a.len().checked_sub(max).filter(|&m| m > 0)?;
    a.truncate(max);
    a.shrink_to_fit();
    Some(more)
}

impl Widths {
    /// Sized once for the whole section from the strings it will hold.
    fn of(rows: &serde_json::Map<String, Value>) -> Widths {
        fn ids<'a>(row: &'a Value, key: &str) -> Vec<&'a str> {
            row[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect()
        }
        let requirements = rows["requirements"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        // The Need column shows a requirement's needs, else what it derives from.
        let need_ids = requirements.iter().flat_map(|r| {
            let needs = ids(r, "needs");
            if needs.is_empty() {
                ids(r, "derives_from")
            } else {
                needs
            }
        });
        let hazard_ids = requirements.iter().flat_map(|r| ids(r, "hazards"));
        let sizes: Vec<String> = rows["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| f["size"].to_string())
            .collect();
        Widths {
            // The minimums fit the header and the "NO NEED" gap mark.
            need: column_em(need_ids, 5.2),
            hazards: column_em(hazard_ids, 5.2),
            bytes: column_em(sizes.iter().map(String::as_str), 4.0),
        }
    }
}

/// The width a column needs for the longest run of characters that cannot
/// break: runs end at spaces, U+200B (relpack's own break opportunities in
/// long words) and after a hyphen before a letter (Unicode line breaking).
/// 0.68 em a character is wider than Noto Sans's capitals and digits; the
/// 0.9 em is the cell's inset.
fn column_em<'a>(strings: impl Iterator<Item = &'a str>, min: f64) -> f64 {
    let mut longest = 0usize;
    for s in strings {
        let mut run = 0usize;
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_whitespace() || c == '\u{200B}' {
                run = 0;
                continue;
            }
            run += 1;
            longest = longest.max(run);
            if c == '-' && chars.peek().is_some_and(|n| n.is_alphabetic()) {
                run = 0;
            }
        }
    }
    (longest as f64 * 0.68 + 0.9).clamp(min, 16.0)
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
    widths: &'a Widths,
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
        let mut unbound = packet["verification"]["unbound"].take();
        if let Some(more) = cap(&mut unbound, PDF_UNBOUND_CASES) {
            packet["verification"]["unbound_more"] = more.into();
        }
        rows.insert("unbound".into(), unbound);
        let property = packet["verification"]["by_property"].take();
        rows.insert("property".into(), property);
        for t in rows["tests"].as_array_mut().into_iter().flatten() {
            if let Some(more) = cap(&mut t["runs"], PDF_RUNS_PER_TEST) {
                t["runs_more"] = more.into();
            }
        }
        // Documents and change records: their items, in packet order.
        let items = &view["items"];
        for (key, ids) in [
            ("documents", &packet["documents"]),
            ("changes", &packet["changes"]["records"]),
        ] {
            let rows_of: Vec<Value> = ids
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|id| items.get(id.as_str()?).cloned())
                .collect();
            rows.insert(key.into(), Value::Array(rows_of));
        }
        // Commits are listed by their short hash.
        for c in packet["changes"]["commits"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            let short: String = c["commit"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(12)
                .collect();
            c["short"] = Value::String(short);
        }
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
        let widths = Widths::of(&rows);
        Plan {
            packet,
            rows,
            widths,
        }
    }

    /// The sections cut into pieces of at most `rows_per_piece(per_row)`
    /// rows, each with its estimated weight in pages.
    fn pieces(&self, rows_per_piece: impl Fn(f64) -> usize) -> Vec<(f64, Piece<'_>)> {
        let mut pieces = Vec::new();
        for &(section, rows_key, per_row) in SECTIONS {
            let rows: &[Value] = rows_key
                .and_then(|k| self.rows.get(k))
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let per_piece = rows_per_piece(per_row).max(1);
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
        pieces
    }

    fn part_json(&self, pieces: Vec<Piece<'_>>) -> Vec<u8> {
        let data = PartData {
            mode: "part",
            packet: &self.packet,
            widths: &self.widths,
            pieces,
        };
        serde_json::to_vec(&data).unwrap_or_default()
    }

    /// The data of each part (of about `pages_per_part` pages), in page
    /// order.
    pub fn parts(&self, pages_per_part: f64) -> Vec<Vec<u8>> {
        let pieces = self.pieces(|per_row| {
            if per_row > 0.0 {
                (pages_per_part / per_row) as usize
            } else {
                usize::MAX
            }
        });
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
        parts.into_iter().map(|p| self.part_json(p)).collect()
    }

    /// Every row alone (and each section without rows), named: when a part
    /// fails to compile, compiling these finds the row that made it fail.
    pub fn rows_alone(&self) -> Vec<(String, Vec<u8>)> {
        self.pieces(|_| 1)
            .into_iter()
            .map(|(_, piece)| {
                let name = match piece.rows.first() {
                    Some(row) => {
                        let id = row["id"]
                            .as_str()
                            .or(row["path"].as_str())
                            .or(row["name"].as_str());
                        format!("section {}, row {}", piece.section, id.unwrap_or("?"))
                    }
                    None => format!("section {}", piece.section),
                };
                (name, self.part_json(vec![piece]))
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

#[cfg(test)]
mod tests {
    use super::column_em;

    #[test]
    fn columns_fit_the_longest_run_that_cannot_break() {
        // "CLINICIAN-" is the longest run: a hyphen before a letter breaks.
        let w = column_em(["NEED-CLINICIAN-UX", "N-1"].into_iter(), 1.0);
        assert!((w - (10.0 * 0.68 + 0.9)).abs() < 1e-9, "{w}");
        // No break before a digit, at U+200B or at a space.
        let w = column_em(["REQ-12345", "abc\u{200B}defgh ij"].into_iter(), 1.0);
        assert!((w - (9.0 * 0.68 + 0.9)).abs() < 1e-9, "{w}");
        assert_eq!(column_em(std::iter::empty(), 5.2), 5.2);
        assert_eq!(column_em(["x".repeat(200).as_str()].into_iter(), 1.0), 16.0);
    }
}
