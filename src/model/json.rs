//! packet.json, written as it is made. It is the model pretty-printed;
//! its four long lists (items, results, requirements, tests: nearly all of
//! its 180 MB at 100k items) are serialized element by element on every
//! thread, a batch at a time, while the batch before is written: the file
//! is never whole in memory. Each element of items, requirements and tests
//! leaves the SHA-256 of its bytes, by which the site keys the pages made
//! from it instead of serializing each item again.

use std::cell::Cell;
use std::io::Write;

use rayon::prelude::*;
use serde::{Serialize, Serializer};
use serde_json::ser::Formatter;

use super::Packet;

/// The digests of each element of the long lists pages are made from, as
/// packet.json has them (an element of a top-level list: pretty-printed,
/// its lines indented by four spaces).
#[derive(Debug, Clone)]
pub struct JsonParts {
    pub items: Vec<Element>,
    pub requirements: Vec<Element>,
    pub tests: Vec<Element>,
}

/// The SHA-256 of one element's bytes: the site keys the pages and parts
/// made from a row by it, so 100k rows are hashed once, not once per page
/// that shows them.
#[derive(Debug, Clone)]
pub struct Element {
    pub sha256: [u8; 32],
}

thread_local! {
    /// Set while [`write_to`] serializes the rest of the model: the long
    /// lists are then written empty, to be filled in as they are written.
    static SKELETON: Cell<bool> = const { Cell::new(false) };
}

/// A long list's elements, or none for the skeleton.
fn long<S: Serializer, I: IntoIterator<Item: Serialize>>(s: S, list: I) -> Result<S::Ok, S::Error> {
    if SKELETON.with(Cell::get) {
        s.collect_seq(std::iter::empty::<I::Item>())
    } else {
        s.collect_seq(list)
    }
}

/// `serialize_with` of the long lists: the list, or `[]` for the skeleton.
pub(super) fn long_list<T: Serialize, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
    long(s, v)
}

/// `serialize_with` of the results: the runs of every test as one list
/// (see [`Packet::runs`]), or `[]` for the skeleton.
pub(super) fn long_runs<S: Serializer>(
    v: &[std::sync::Arc<Vec<crate::results::Run>>],
    s: S,
) -> Result<S::Ok, S::Error> {
    long(s, super::all_runs(v))
}

const INDENT: &[u8] = b"    ";

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

/// Elements one task serializes into one buffer.
const PIECE: usize = 256;
/// Pieces serialized side by side while the batch before is written.
const BATCH: usize = 16;

/// A run of a list's elements as packet.json has them (each after its
/// separator and indent), with each element's digest.
struct Piece {
    bytes: Vec<u8>,
    digests: Vec<Element>,
}

/// `list`'s elements from index `first` on, into one buffer; with `digest`,
/// each one's digest.
fn piece<T: Serialize>(list: &[T], first: usize, digest: bool) -> std::io::Result<Piece> {
    use sha2::Digest;
    let mut bytes = Vec::with_capacity(list.len() * 1024);
    let mut digests = Vec::with_capacity(list.len());
    for (n, v) in list.iter().enumerate() {
        bytes.extend_from_slice(if first + n == 0 { b"\n" } else { b",\n" });
        bytes.extend_from_slice(INDENT);
        let at = bytes.len();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut bytes,
            Pretty {
                level: 2,
                has_value: false,
            },
        );
        v.serialize(&mut ser)?;
        if digest {
            digests.push(Element {
                sha256: sha2::Sha256::digest(&bytes[at..]).into(),
            });
        }
    }
    Ok(Piece { bytes, digests })
}

/// One long list's elements written to `w` in order, serialized a batch at
/// a time on every thread while the batch before is written.
fn write_list<T: Serialize + Sync>(
    list: &[T],
    digest: bool,
    w: &mut (dyn Write + Send),
) -> std::io::Result<Vec<Element>> {
    let mut digests = Vec::with_capacity(list.len());
    let mut written = |batch: Vec<Piece>, w: &mut (dyn Write + Send)| -> std::io::Result<()> {
        for p in batch {
            w.write_all(&p.bytes)?;
            digests.extend(p.digests);
        }
        Ok(())
    };
    let serialize = |n: usize, batch: &[T]| -> std::io::Result<Vec<Piece>> {
        batch
            .par_chunks(PIECE)
            .enumerate()
            .map(|(k, c)| piece(c, n * PIECE * BATCH + k * PIECE, digest))
            .collect()
    };
    let mut pending: Vec<Piece> = Vec::new();
    for (n, batch) in list.chunks(PIECE * BATCH).enumerate() {
        let last = std::mem::take(&mut pending);
        let (done, next) = rayon::join(|| written(last, w), || serialize(n, batch));
        done?;
        pending = next?;
    }
    written(pending, w)?;
    if !list.is_empty() {
        w.write_all(b"\n  ")?;
    }
    Ok(digests)
}

/// `rest` up to the `]` of the top-level list `key` (a line end, two spaces,
/// the quoted key and an empty list, as the skeleton has it), written to
/// `w`; `rest` then starts at that `]`.
fn up_to_list(rest: &mut &[u8], key: &[u8], w: &mut (dyn Write + Send)) -> std::io::Result<()> {
    // A top-level key: a line end, then two spaces. Unique, as no string
    // holds a raw line end. Its order in the model is fixed.
    let Some(at) = find(rest, key) else {
        return Err(std::io::Error::other(format!(
            "packet.json: no {} in the model's skeleton",
            String::from_utf8_lossy(&key[3..])
        )));
    };
    let open = at + key.len() - 1;
    w.write_all(&rest[..open])?;
    *rest = &rest[open..];
    Ok(())
}

/// Write packet.json (exactly `serde_json::to_vec_pretty(p)` and a line
/// end) to `w`, its long lists element by element; the digests of their
/// elements.
pub fn write_to(p: &Packet, w: &mut (dyn Write + Send)) -> std::io::Result<JsonParts> {
    SKELETON.with(|s| s.set(true));
    let skeleton = serde_json::to_vec_pretty(p);
    SKELETON.with(|s| s.set(false));
    let skeleton = skeleton?;
    let mut rest: &[u8] = &skeleton;
    up_to_list(&mut rest, b"\n  \"items\": []", w)?;
    let items = write_list(&p.items, true, w)?;
    up_to_list(&mut rest, b"\n  \"results\": []", w)?;
    let runs: Vec<&crate::results::Run> = p.runs().collect();
    write_list(&runs, false, w)?;
    up_to_list(&mut rest, b"\n  \"requirements\": []", w)?;
    let requirements = write_list(&p.requirements, true, w)?;
    up_to_list(&mut rest, b"\n  \"tests\": []", w)?;
    let tests = write_list(&p.tests, true, w)?;
    w.write_all(rest)?;
    w.write_all(b"\n")?;
    Ok(JsonParts {
        items,
        requirements,
        tests,
    })
}

/// packet.json in memory: exactly `serde_json::to_vec_pretty(p)` and a line
/// end.
pub fn packet_json(p: &Packet) -> serde_json::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(p)?;
    bytes.push(b'\n');
    Ok(bytes)
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
        let pretty = serde_json::to_string_pretty(&deep).unwrap();
        let expected = pretty.replace('\n', "\n    ");
        let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(expected.as_bytes()).into();
        // The first element of a list, then the ones after it.
        let made = piece(&[&deep, &deep], 0, true).unwrap();
        assert_eq!(
            String::from_utf8(made.bytes).unwrap(),
            format!("\n    {expected},\n    {expected}")
        );
        let digests: Vec<_> = made.digests.iter().map(|e| e.sha256).collect();
        assert_eq!(digests, [digest, digest]);
        let later = piece(&[&deep], 7, false).unwrap();
        assert_eq!(
            String::from_utf8(later.bytes).unwrap(),
            format!(",\n    {expected}")
        );
        assert!(later.digests.is_empty());
    }

    /// A list longer than a batch is written in order, every element once,
    /// each digest that of its own bytes.
    #[test]
    fn a_long_list_is_written_in_order_across_batches() {
        let list: Vec<serde_json::Value> = (0..PIECE * BATCH * 2 + 7)
            .map(|n| serde_json::json!({"n": n, "s": "x".repeat(n % 5), "l": [n, {}]}))
            .collect();
        let mut out: Vec<u8> = Vec::new();
        let digests = write_list(&list, true, &mut out).unwrap();
        let whole = serde_json::to_string_pretty(&serde_json::json!({ "l": list })).unwrap();
        let inner = &whole[whole.find('[').unwrap() + 1..whole.rfind(']').unwrap()];
        assert_eq!(String::from_utf8(out).unwrap(), inner);
        assert_eq!(digests.len(), list.len());
        for n in [0, PIECE, PIECE * BATCH, list.len() - 1] {
            let pretty = serde_json::to_string_pretty(&list[n])
                .unwrap()
                .replace('\n', "\n    ");
            let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(pretty.as_bytes()).into();
            assert_eq!(digests[n].sha256, digest, "element {n}");
        }
    }
}
