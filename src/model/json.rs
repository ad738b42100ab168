//! The packet's JSON, made once. packet.json is the model pretty-printed;
//! its four long lists (items, results, requirements, tests: nearly all of
//! its 180 MB at 100k items) are serialized element by element, in
//! parallel, before the renderers start. packet.json is then the rest of
//! the model with those elements spliced in, and the site keys its item
//! pages by the same bytes instead of serializing each item again.

use std::cell::Cell;
use std::io::Write;

use rayon::prelude::*;
use serde::{Serialize, Serializer};
use serde_json::ser::Formatter;

use super::Packet;

/// Each element of the long lists, pretty-printed at its depth in
/// packet.json (an element of a top-level list: four spaces).
#[derive(Debug, Clone)]
pub struct JsonParts {
    pub items: Vec<Element>,
    pub results: Vec<Element>,
    pub requirements: Vec<Element>,
    pub tests: Vec<Element>,
}

/// One element's bytes and their SHA-256: the site keys the pages and
/// parts made from a row by this digest, so 100k rows are hashed once, not
/// once per page that shows them. `None` in the lists no page is made
/// from (results).
#[derive(Debug, Clone)]
pub struct Element {
    pub bytes: Vec<u8>,
    pub sha256: Option<[u8; 32]>,
}

thread_local! {
    /// Set while [`packet_json`] serializes the rest of the model: the long
    /// lists are then written empty, to be spliced.
    static SKELETON: Cell<bool> = const { Cell::new(false) };
}

/// `serialize_with` of the long lists: the list, or `[]` for the skeleton.
pub(super) fn long_list<T: Serialize, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
    if SKELETON.with(Cell::get) {
        s.collect_seq(std::iter::empty::<&T>())
    } else {
        s.collect_seq(v)
    }
}

const INDENT: &[u8] = b"    ";

/// One element as packet.json shows it: pretty, its lines indented as an
/// element of a top-level list.
fn element<T: Serialize>(v: &T, digest: bool) -> serde_json::Result<Element> {
    thread_local! {
        /// Each thread serializes into one buffer, kept warm, and copies
        /// out exactly the bytes: 280k elements grown by doubling wasted
        /// a third of their memory (fresh pages the kernel must zero).
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with_borrow_mut(|out| {
        out.clear();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut *out,
            Pretty {
                level: 2,
                has_value: false,
            },
        );
        v.serialize(&mut ser)?;
        use sha2::Digest;
        let sha256 = digest.then(|| sha2::Sha256::digest(&out[..]).into());
        Ok(Element {
            bytes: out.as_slice().to_vec(),
            sha256,
        })
    })
}

/// serde_json's `PrettyFormatter` (two spaces a level) starting `level`
/// levels deep: it has no way to start anywhere but the top.
struct Pretty {
    level: usize,
    has_value: bool,
}

impl Pretty {
    fn indent<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        // One write for the usual depths (packet.json nests about six).
        const SPACES: &[u8; 32] = b"                                ";
        let mut left = 2 * self.level;
        while left > 0 {
            let n = left.min(SPACES.len());
            w.write_all(&SPACES[..n])?;
            left -= n;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }

    /// Before an array element or an object key.
    fn next<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.next(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.next(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

fn elements<T: Serialize + Sync>(list: &[T], digest: bool) -> serde_json::Result<Vec<Element>> {
    list.par_iter().map(|v| element(v, digest)).collect()
}

impl JsonParts {
    pub fn of(p: &Packet) -> serde_json::Result<JsonParts> {
        let ((items, results), (requirements, tests)) = rayon::join(
            || rayon::join(|| elements(&p.items, true), || elements(&p.results, false)),
            || {
                rayon::join(
                    || elements(&p.requirements, true),
                    || elements(&p.tests, true),
                )
            },
        );
        Ok(JsonParts {
            items: items?,
            results: results?,
            requirements: requirements?,
            tests: tests?,
        })
    }

    /// Whether these parts were made from `p` (as many of each).
    fn fit(&self, p: &Packet) -> bool {
        self.items.len() == p.items.len()
            && self.results.len() == p.results.len()
            && self.requirements.len() == p.requirements.len()
            && self.tests.len() == p.tests.len()
    }
}

/// packet.json: exactly `serde_json::to_vec_pretty(p)` and a line end,
/// from `p.json` where it was made.
pub fn packet_json(p: &Packet) -> serde_json::Result<Vec<u8>> {
    with_pieces(p, |pieces| pieces.concat())
}

/// `f` given packet.json as its pieces in order (the skeleton's stretches
/// and the lists' elements, borrowed): a writer need not join 180 MB in
/// memory first.
pub fn with_pieces<R>(p: &Packet, f: impl FnOnce(&[&[u8]]) -> R) -> serde_json::Result<R> {
    let Some(parts) = p.json.as_ref().filter(|parts| parts.fit(p)) else {
        let mut bytes = serde_json::to_vec_pretty(p)?;
        bytes.push(b'\n');
        return Ok(f(&[&bytes]));
    };
    SKELETON.with(|s| s.set(true));
    let skeleton = serde_json::to_vec_pretty(p);
    SKELETON.with(|s| s.set(false));
    let skeleton = skeleton?;
    let lists: [(&[u8], &[Element]); 4] = [
        (b"\n  \"items\": []", &parts.items),
        (b"\n  \"results\": []", &parts.results),
        (b"\n  \"requirements\": []", &parts.requirements),
        (b"\n  \"tests\": []", &parts.tests),
    ];
    let count = lists.iter().map(|(_, l)| 3 * l.len() + 2).sum::<usize>() + 2;
    let mut pieces: Vec<&[u8]> = Vec::with_capacity(count);
    let mut rest: &[u8] = &skeleton;
    for (key, list) in lists {
        // A top-level key: a line end, then two spaces. Unique, as no
        // string holds a raw line end. Its order in the model is fixed.
        let Some(at) = find(rest, key) else {
            return Err(serde::ser::Error::custom(format!(
                "packet.json: no {} in the model's skeleton",
                String::from_utf8_lossy(&key[3..])
            )));
        };
        let open = at + key.len() - 1; // the `]`
        pieces.push(&rest[..open]);
        for (n, e) in list.iter().enumerate() {
            pieces.push(if n == 0 { b"\n" } else { b",\n" });
            pieces.push(INDENT);
            pieces.push(&e.bytes);
        }
        if !list.is_empty() {
            pieces.push(b"\n  ");
        }
        rest = &rest[open..];
    }
    pieces.push(rest);
    pieces.push(b"\n");
    Ok(f(&pieces))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An element is serde_json's pretty form with every line after the
    /// first indented as a top-level list's element, at any depth.
    #[test]
    fn an_element_is_the_pretty_form_two_levels_deep() {
        let mut deep = serde_json::json!({"leaf": [1, "two", null, {}, []]});
        for n in 0..24 {
            deep = serde_json::json!({ format!("k{n}"): [deep, {"x": n}] });
        }
        let made = element(&deep, true).unwrap();
        let pretty = serde_json::to_string_pretty(&deep).unwrap();
        let expected = pretty.replace('\n', "\n    ");
        assert_eq!(String::from_utf8(made.bytes).unwrap(), expected);
        let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(expected.as_bytes()).into();
        assert_eq!(made.sha256, Some(digest));
        assert_eq!(element(&deep, false).unwrap().sha256, None);
    }
}
