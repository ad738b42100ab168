//! JUnit XML -> test cases with outcomes. Streamed with quick-xml so a
//! 100 MB report is never held whole; the SHA-256 of the bytes is taken on
//! the same pass (the release digest needs it).

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, FileId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseOutcome {
    Pass,
    Fail,
    Skipped,
}

/// Serialized only into the parse cache (postcard: no field may be skipped).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct JunitCase {
    /// `classname::name`, or `name` without a classname: what patterns match.
    pub name: String,
    pub outcome: CaseOutcome,
    /// Passed only on a retry (nextest `flakyFailure`, Surefire reruns).
    pub flaky: bool,
    /// The `verifies` and `test` properties of its enclosing suites, then
    /// its own: all of them count (a suite's `verifies` and the case's add
    /// up, as do two properties of one name).
    pub properties: Vec<(String, String)>,
    pub line: u32,
    pub message: Option<String>,
    pub timestamp: Option<String>,
}

impl JunitCase {
    /// The ids every property `name` of the case lists (comma-separated),
    /// each once, in order.
    pub fn property_ids(&self, name: &str) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for (_, value) in self.properties.iter().filter(|(k, _)| k == name) {
            for id in value.split(',').map(str::trim).filter(|x| !x.is_empty()) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        ids
    }
}

#[derive(Debug, Clone)]
pub struct JunitFile {
    pub path: String,
    pub file: FileId,
    pub sha256: String,
    pub size: u64,
    pub cases: Vec<JunitCase>,
}

pub enum JunitParse {
    /// Not a `<testsuites>` / `<testsuite>` document: just another file.
    NotJunit,
    Junit(JunitFile, Vec<Diagnostic>),
}

/// Hashes and counts the file's bytes as they are read, before any decoding:
/// the digest is of the file as it is on disk.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

/// Counts lines and notes the first character XML forbids in the UTF-8
/// text streaming past the parser. Line numbers are answered for positions
/// the parser reaches in order, so only the newlines of the bytes read ahead
/// of the parser are kept, never those of the whole file.
struct Tap<R> {
    inner: R,
    /// UTF-8 bytes passed on so far.
    size: u64,
    /// Offsets of newlines read but not yet passed by a `line_of` query.
    newlines: VecDeque<u64>,
    /// Newlines before the oldest one in `newlines`.
    lines_passed: u64,
    /// Where the newline last passed by a `line_of` query is, if any.
    last_passed: Option<u64>,
    /// Newlines read so far.
    lines_read: u64,
    /// (line, byte) of the first character XML forbids.
    bad_char: Option<(u32, u8)>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        for (i, &b) in chunk.iter().enumerate() {
            if b == b'\n' {
                self.newlines.push_back(self.size + i as u64);
                self.lines_read += 1;
            } else if b < 0x20 && b != b'\t' && b != b'\r' && self.bad_char.is_none() {
                self.bad_char = Some((to_line(self.lines_read + 1), b));
            }
        }
        self.size += n as u64;
        Ok(n)
    }
}

impl<R> Tap<R> {
    /// The line of a byte offset; offsets must not go backwards between
    /// calls (an earlier one is answered with the line last reached).
    fn line_of(&mut self, offset: u64) -> u32 {
        self.position_of(offset).0
    }

    /// The line and column (1-based, in bytes) of a byte offset, under
    /// the same rule as [`Tap::line_of`].
    fn position_of(&mut self, offset: u64) -> (u32, u32) {
        while self.newlines.front().is_some_and(|&n| n < offset) {
            self.last_passed = self.newlines.pop_front();
            self.lines_passed += 1;
        }
        let column = offset.saturating_sub(self.last_passed.map_or(0, |n| n + 1)) + 1;
        (to_line(self.lines_passed + 1), to_line(column))
    }
}

fn to_line(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The properties relpack reads; others (JUnit 5 writes ~50 JVM system
/// properties on every suite) are not kept for each case.
const READ_PROPERTIES: [&str; 2] = ["verifies", "test"];

/// An open `<testsuite>` / `<testsuites>`.
#[derive(Default)]
struct Frame {
    /// Its own `verifies` / `test` properties.
    properties: Vec<(String, String)>,
    /// Cases directly in this suite, by name: index into the file's cases and
    /// whether a run before the last one failed. Reruns are merged only
    /// within one suite, so this map is dropped when the suite closes.
    seen: HashMap<String, (usize, bool)>,
    /// The suite's `timestamp`: when its cases ran, for cases without one.
    timestamp: Option<String>,
}

/// The longest failure message kept (the full text stays in the file).
const MESSAGE_LIMIT: usize = 500;

/// The reader's state between events: the enclosing suites, the open case,
/// the cases done.
#[derive(Default)]
struct Walk {
    cases: Vec<JunitCase>,
    /// Enclosing suites, innermost last.
    suites: Vec<Frame>,
    case: Option<JunitCase>,
    seen_root: bool,
    /// Elements open (to tell a truncated file from a complete one).
    depth: usize,
    /// A `<property name="x">value</property>` whose value is its text.
    pending_property: Option<(String, String)>,
}

impl Walk {
    /// A start (or empty) element; false when the root shows the file is
    /// not JUnit at all.
    fn start(&mut self, e: &BytesStart<'_>, empty: bool, line: &mut dyn FnMut() -> u32) -> bool {
        if !empty {
            self.depth += 1;
        }
        let tag = e.local_name();
        let tag = tag.as_ref();
        if !self.seen_root {
            if tag != b"testsuites" && tag != b"testsuite" {
                return false;
            }
            self.seen_root = true;
        }
        match tag {
            b"testsuite" | b"testsuites" if !empty => self.suites.push(Frame {
                timestamp: attr(e, b"timestamp"),
                ..Frame::default()
            }),
            b"testcase" => {
                // A case inside a case is not JUnit; keep both.
                self.close_case();
                let c = new_case(e, &self.suites, line());
                if empty {
                    finish_case(c, &mut self.cases, &mut self.suites);
                } else {
                    self.case = Some(c);
                }
            }
            b"property" => {
                let name = attr(e, b"name").unwrap_or_default();
                match (attr(e, b"value"), empty) {
                    (Some(v), _) => add_property(&mut self.case, &mut self.suites, (name, v)),
                    (None, true) => {
                        add_property(&mut self.case, &mut self.suites, (name, String::new()))
                    }
                    (None, false) => self.pending_property = Some((name, String::new())),
                }
            }
            _ => self.outcome(tag, e),
        }
        true
    }

    /// `<failure>`, `<error>`, `<skipped>` and the flaky reruns inside a case.
    fn outcome(&mut self, tag: &[u8], e: &BytesStart<'_>) {
        let Some(c) = self.case.as_mut() else {
            return;
        };
        match tag {
            b"failure" | b"error" => {
                c.outcome = CaseOutcome::Fail;
                c.flaky = false;
                if c.message.is_none() {
                    c.message = attr(e, b"message").map(limit);
                }
            }
            b"skipped" if c.outcome == CaseOutcome::Pass => {
                c.outcome = CaseOutcome::Skipped;
                c.message = attr(e, b"message").map(limit);
            }
            b"flakyFailure" | b"flakyError" if c.outcome == CaseOutcome::Pass => c.flaky = true,
            _ => {}
        }
    }

    /// Text inside an element: only a property's value is kept.
    fn text(&mut self, t: &str) {
        if let Some((_, v)) = self.pending_property.as_mut() {
            v.push_str(t);
        }
    }

    fn end(&mut self, tag: &[u8]) {
        self.depth = self.depth.saturating_sub(1);
        match tag {
            b"testsuite" | b"testsuites" => {
                // A case left open by a missing end tag ends with its suite.
                self.close_case();
                self.suites.pop();
            }
            b"testcase" => self.close_case(),
            b"property" => {
                if let Some(p) = self.pending_property.take() {
                    add_property(&mut self.case, &mut self.suites, p);
                }
            }
            _ => {}
        }
    }

    fn close_case(&mut self) {
        if let Some(c) = self.case.take() {
            finish_case(c, &mut self.cases, &mut self.suites);
        }
    }
}

pub fn parse_junit(path: &str, file: FileId, reader: impl Read) -> std::io::Result<JunitParse> {
    let mut raw = Hashing {
        inner: reader,
        hasher: Sha256::new(),
        size: 0,
    };
    // UTF-16 and UTF-32 reports (Windows tools write them) are read as the
    // UTF-8 the parser expects.
    let text = super::encoding::Utf8Reader::new(&mut raw)?;
    let tap = Tap {
        inner: text,
        size: 0,
        newlines: VecDeque::new(),
        lines_passed: 0,
        last_passed: None,
        lines_read: 0,
        bad_char: None,
    };
    let mut xml = Reader::from_reader(BufReader::with_capacity(1 << 16, tap));
    xml.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut diags = Vec::new();
    let mut walk = Walk::default();
    let mut entities = None;
    loop {
        // Before the event: where its `<` is (whitespace before it is a
        // text event of its own, as text is not trimmed).
        let start = xml.buffer_position();
        let event =
            match xml.read_event_into(&mut buf) {
                Ok(e) => e,
                Err(e) => {
                    if !walk.seen_root {
                        return Ok(JunitParse::NotJunit);
                    }
                    let pos = xml.error_position();
                    let at = xml.get_mut().get_mut().position_of(pos);
                    diags.push(invalid(path, at, file, &e.to_string()).note(
                        "the file is not well-formed XML; was it cut short or written by hand?",
                    ));
                    break;
                }
            };
        // One root element: a second report pasted after the first, or
        // stray text after it, is not well-formed XML.
        let content = match &event {
            Event::Start(_)
            | Event::Empty(_)
            | Event::CData(_)
            | Event::Decl(_)
            | Event::GeneralRef(_) => true,
            Event::Text(t) => !t.iter().all(u8::is_ascii_whitespace),
            _ => false,
        };
        if walk.seen_root && walk.depth == 0 && content {
            let at = xml.get_mut().get_mut().position_of(start);
            diags.push(
                invalid(path, at, file, "content after the root element has ended")
                    .note("a report holds one root element; two reports joined into one file are two files"),
            );
            break;
        }
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let mut line = || xml.get_mut().get_mut().line_of(start);
                if !walk.start(e, empty, &mut line) {
                    return Ok(JunitParse::NotJunit);
                }
                // The parser reads attributes only when asked: a malformed or
                // repeated one would otherwise be skipped without a word.
                if let Some(bad) = e.attributes().find_map(Result::err) {
                    let at = xml.get_mut().get_mut().position_of(start);
                    let tag = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    // quick-xml counts the attribute's positions from the tag.
                    let bad = bad.to_string().replace("position ", "byte ");
                    diags.push(
                        invalid(path, at, file, &format!("<{tag}>: {bad} of the tag"))
                            .note("the file is not well-formed XML; was it written by hand?"),
                    );
                }
            }
            Event::Text(ref t) => walk.text(&t.decode().unwrap_or_default()),
            Event::CData(ref t) => walk.text(&String::from_utf8_lossy(t)),
            Event::GeneralRef(ref r) => {
                let name = String::from_utf8_lossy(r);
                let resolved = resolve_entity(&name);
                // An entity XML does not predefine was declared in a DTD
                // (relpack expands none: a `&fail;` could hide a failure)
                // or not at all (the file is not well-formed).
                if resolved == format!("&{name};") {
                    let at = xml.get_mut().get_mut().position_of(start);
                    diags.push(
                        invalid(
                            path,
                            at,
                            file,
                            &format!("the entity &{name}; is not one XML predefines"),
                        )
                        .note(
                            "relpack expands no entity a DOCTYPE declares; write the text itself",
                        ),
                    );
                    break;
                }
                walk.text(&resolved)
            }
            // Said once the root shows the file is a report at all.
            Event::DocType(ref d) if String::from_utf8_lossy(d).contains("<!ENTITY") => {
                entities = Some(xml.get_mut().get_mut().position_of(start));
            }
            Event::End(ref e) => walk.end(e.local_name().as_ref()),
            Event::Eof => {
                if walk.seen_root && walk.depth > 0 {
                    let end = xml.buffer_position();
                    let at = xml.get_mut().get_mut().position_of(end);
                    diags.push(
                        invalid(path, at, file, "the file ends before its elements are closed (truncated?)")
                            .note("a test run that was killed or a copy that did not finish leaves a report like this"),
                    );
                }
                break;
            }
            _ => {}
        }
        buf.clear();
    }
    if !walk.seen_root {
        return Ok(JunitParse::NotJunit);
    }
    if let Some(at) = entities {
        diags.push(
            invalid(
                path,
                at,
                file,
                "its DOCTYPE declares entities, which relpack does not expand",
            )
            .note("a report's content must be in the report, not in entity declarations"),
        );
    }
    walk.close_case();
    let mut cases = walk.cases;
    let tap = xml.into_inner().into_inner();
    let bad_char = tap.bad_char;
    drop(tap);
    // Drain whatever the parser did not pull, so the digest covers every byte.
    std::io::copy(&mut raw, &mut std::io::sink())?;
    if let Some((line, byte)) = bad_char {
        diags.push(
            Diagnostic::warning(format!(
                "{path}:{line}: control character U+{byte:04X} is not allowed in XML; the file was read anyway"
            ))
            .in_file(file)
            .note("test runners that write coloured output into reports do this; its cases are kept"),
        );
    }
    let sha256 = format!("{:x}", raw.hasher.finalize());
    cases.shrink_to_fit();
    Ok(JunitParse::Junit(
        JunitFile {
            path: path.to_string(),
            file,
            sha256,
            size: raw.size,
            cases,
        },
        diags,
    ))
}

/// A report that is not well-formed XML (its cases so far are kept).
fn invalid(path: &str, (line, column): (u32, u32), file: FileId, why: &str) -> Diagnostic {
    Diagnostic::error(format!("{path}:{line}:{column}: invalid JUnit XML: {why}")).at_line(
        file,
        line as usize,
        column as usize,
    )
}

fn limit(mut s: String) -> String {
    if s.len() > MESSAGE_LIMIT {
        let mut cut = MESSAGE_LIMIT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// A case is done: a new one, or a rerun of one already in the same suite.
fn finish_case(c: JunitCase, cases: &mut Vec<JunitCase>, suites: &mut [Frame]) {
    let Some(frame) = suites.last_mut() else {
        cases.push(c);
        return;
    };
    match frame.seen.get_mut(&c.name) {
        Some((i, failed_before)) => {
            let earlier_failure = *failed_before;
            *failed_before |= c.outcome == CaseOutcome::Fail || c.flaky;
            merge_rerun(&mut cases[*i], c, earlier_failure);
        }
        None => {
            let failed = c.outcome == CaseOutcome::Fail || c.flaky;
            frame.seen.insert(c.name.clone(), (cases.len(), failed));
            cases.push(c);
        }
    }
}

/// Surefire, gotestsum `--rerun-fails` and pytest (an error in teardown
/// after the call) write a case once per run, under the same name in the
/// same suite. The last run's outcome counts; a case that passed last after
/// an earlier failure is a flaky pass. The merged case keeps its place (the
/// first run's) but reports the last run's line, message and timestamp.
fn merge_rerun(prev: &mut JunitCase, last: JunitCase, earlier_failure: bool) {
    let JunitCase {
        name: _,
        outcome,
        flaky,
        properties,
        line,
        message,
        timestamp,
    } = last;
    prev.flaky = outcome == CaseOutcome::Pass && (flaky || earlier_failure);
    prev.outcome = outcome;
    prev.line = line;
    prev.message = message;
    if timestamp.is_some() {
        prev.timestamp = timestamp;
    }
    for p in properties {
        if !prev.properties.contains(&p) {
            prev.properties.push(p);
        }
    }
}

fn new_case(e: &BytesStart<'_>, suites: &[Frame], line: u32) -> JunitCase {
    let name = attr(e, b"name").unwrap_or_default();
    let full = match attr(e, b"classname") {
        Some(c) if !c.is_empty() => format!("{c}::{name}"),
        _ => name,
    };
    JunitCase {
        name: full,
        outcome: CaseOutcome::Pass,
        flaky: false,
        properties: suites.iter().flat_map(|s| s.properties.clone()).collect(),
        line,
        message: None,
        // Most runners stamp the suite, not each case.
        timestamp: attr(e, b"timestamp")
            .or_else(|| suites.iter().rev().find_map(|s| s.timestamp.clone())),
    }
}

fn add_property(case: &mut Option<JunitCase>, suites: &mut [Frame], property: (String, String)) {
    if !READ_PROPERTIES.contains(&property.0.as_str()) {
        return;
    }
    match (case.as_mut(), suites.last_mut()) {
        (Some(c), _) => c.properties.push(property),
        (None, Some(s)) => s.properties.push(property),
        (None, None) => {}
    }
}

fn attr(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .map(|a| match a.unescape_value() {
            Ok(v) => v.into_owned(),
            Err(_) => String::from_utf8_lossy(&a.value).into_owned(),
        })
}

/// An XML entity reference (`amp`, `#x1B`, ...) as text.
pub fn resolve_entity(name: &str) -> String {
    match name {
        "lt" => "<".into(),
        "gt" => ">".into(),
        "amp" => "&".into(),
        "quot" => "\"".into(),
        "apos" => "'".into(),
        _ => {
            let code = name
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()));
            code.and_then(char::from_u32)
                .map(String::from)
                .unwrap_or_else(|| format!("&{name};"))
        }
    }
}

/// Peek: is this a JUnit document? (Used to avoid streaming non-JUnit XML.)
pub fn looks_like_junit(head: &[u8]) -> bool {
    let mut r = Reader::from_reader(head);
    let mut buf = Vec::new();
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let n = e.local_name();
                return n.as_ref() == b"testsuites" || n.as_ref() == b"testsuite";
            }
            Ok(Event::Eof) | Err(_) => return false,
            _ => {}
        }
        buf.clear();
    }
}

#[allow(dead_code)]
fn _assert_bufread<R: BufRead>(_: R) {}
