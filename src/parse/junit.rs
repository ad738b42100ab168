//! JUnit XML -> test cases with outcomes. Streamed with quick-xml so a
//! 100 MB report is never held whole; the SHA-256 of the bytes is taken on
//! the same pass (the release digest needs it).

use std::io::{BufRead, BufReader, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, FileId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseOutcome {
    Pass,
    Fail,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct JunitCase {
    /// `classname::name`, or `name` without a classname: what patterns match.
    pub name: String,
    pub outcome: CaseOutcome,
    /// Passed only on a retry (nextest `flakyFailure`, Surefire reruns).
    pub flaky: bool,
    /// Properties of the case, after those of its enclosing suites.
    pub properties: Vec<(String, String)>,
    pub line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

impl JunitCase {
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
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

/// Counts lines, notes the first character XML forbids and hashes the bytes
/// as they stream past the parser.
struct Tap<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
    newlines: Vec<u64>,
    bad_char: Option<(u64, u8)>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        self.hasher.update(chunk);
        for (i, &b) in chunk.iter().enumerate() {
            if b == b'\n' {
                self.newlines.push(self.size + i as u64);
            } else if b < 0x20 && b != b'\t' && b != b'\r' && self.bad_char.is_none() {
                self.bad_char = Some((self.size + i as u64, b));
            }
        }
        self.size += n as u64;
        Ok(n)
    }
}

impl<R> Tap<R> {
    fn line_of(&self, offset: u64) -> u32 {
        (self.newlines.partition_point(|&n| n < offset) + 1) as u32
    }
}

#[derive(Default)]
struct Frame {
    properties: Vec<(String, String)>,
}

pub fn parse_junit(path: &str, file: FileId, reader: impl Read) -> std::io::Result<JunitParse> {
    let tap = Tap {
        inner: reader,
        hasher: Sha256::new(),
        size: 0,
        newlines: Vec::new(),
        bad_char: None,
    };
    let mut xml = Reader::from_reader(BufReader::with_capacity(1 << 16, tap));
    xml.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut diags = Vec::new();
    let mut cases = Vec::new();
    // Properties of enclosing suites, innermost last.
    let mut suites: Vec<Frame> = Vec::new();
    let mut case: Option<JunitCase> = None;
    let mut seen_root = false;
    // A `<property name="x">value</property>` whose value is its text.
    let mut pending_property: Option<(String, String)> = None;
    let mut in_case_properties = false;
    loop {
        let event = match xml.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                let pos = xml.error_position();
                let line = xml.get_ref().get_ref().line_of(pos);
                if !seen_root {
                    return Ok(JunitParse::NotJunit);
                }
                diags.push(
                    Diagnostic::error(format!("{path}:{line}: invalid JUnit XML: {e}"))
                        .in_file(file),
                );
                break;
            }
        };
        let pos = xml.buffer_position();
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let tag = e.local_name().as_ref().to_vec();
                if !seen_root {
                    if tag != b"testsuites" && tag != b"testsuite" {
                        return Ok(JunitParse::NotJunit);
                    }
                    seen_root = true;
                }
                match tag.as_slice() {
                    b"testsuite" | b"testsuites" if !empty => suites.push(Frame::default()),
                    b"testcase" => {
                        let line = xml.get_ref().get_ref().line_of(pos);
                        let c = new_case(e, &suites, line);
                        if empty {
                            cases.push(c);
                        } else {
                            case = Some(c);
                        }
                    }
                    b"properties" if case.is_some() => in_case_properties = true,
                    b"property" => {
                        let name = attr(e, b"name").unwrap_or_default();
                        let value = attr(e, b"value");
                        match (value, empty) {
                            (Some(v), _) => add_property(&mut case, &mut suites, (name, v)),
                            (None, true) => add_property(&mut case, &mut suites, (name, String::new())),
                            (None, false) => pending_property = Some((name, String::new())),
                        }
                    }
                    b"failure" | b"error" => {
                        if let Some(c) = case.as_mut() {
                            c.outcome = CaseOutcome::Fail;
                            c.flaky = false;
                            if c.message.is_none() {
                                c.message = attr(e, b"message");
                            }
                        }
                    }
                    b"skipped" => {
                        if let Some(c) = case.as_mut() {
                            if c.outcome == CaseOutcome::Pass {
                                c.outcome = CaseOutcome::Skipped;
                                c.message = attr(e, b"message");
                            }
                        }
                    }
                    b"flakyFailure" | b"flakyError" => {
                        if let Some(c) = case.as_mut() {
                            if c.outcome == CaseOutcome::Pass {
                                c.flaky = true;
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(ref t) => {
                if let Some((_, v)) = pending_property.as_mut() {
                    v.push_str(&t.decode().unwrap_or_default());
                }
            }
            Event::CData(ref t) => {
                if let Some((_, v)) = pending_property.as_mut() {
                    v.push_str(&String::from_utf8_lossy(t));
                }
            }
            Event::GeneralRef(ref r) => {
                if let Some((_, v)) = pending_property.as_mut() {
                    v.push_str(&resolve_entity(&String::from_utf8_lossy(r)));
                }
            }
            Event::End(ref e) => match e.local_name().as_ref() {
                b"testsuite" | b"testsuites" => {
                    suites.pop();
                }
                b"testcase" => {
                    if let Some(c) = case.take() {
                        cases.push(c);
                    }
                    in_case_properties = false;
                }
                b"properties" => in_case_properties = false,
                b"property" => {
                    if let Some(p) = pending_property.take() {
                        add_property(&mut case, &mut suites, p);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        let _ = in_case_properties;
        buf.clear();
    }
    if !seen_root {
        return Ok(JunitParse::NotJunit);
    }
    // Drain whatever the parser did not pull, so the digest covers every byte.
    let tap = xml.get_mut().get_mut();
    std::io::copy(tap, &mut std::io::sink())?;
    let tap = xml.into_inner().into_inner();
    if let Some((offset, byte)) = tap.bad_char {
        let line = tap.line_of(offset);
        diags.push(
            Diagnostic::warning(format!(
                "{path}:{line}: control character U+{byte:04X} is not allowed in XML; the file was read anyway"
            ))
            .in_file(file)
            .note("test runners that write coloured output into reports do this; its cases are kept"),
        );
    }
    let sha256 = format!("{:x}", tap.hasher.finalize());
    Ok(JunitParse::Junit(
        JunitFile {
            path: path.to_string(),
            file,
            sha256,
            size: tap.size,
            cases: merge_reruns(cases),
        },
        diags,
    ))
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
        timestamp: attr(e, b"timestamp"),
    }
}

fn add_property(
    case: &mut Option<JunitCase>,
    suites: &mut [Frame],
    property: (String, String),
) {
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

/// Surefire writes a rerun case once per run: a case that failed and then
/// passed under the same name is one flaky pass; one that never passed, a
/// failure.
fn merge_reruns(cases: Vec<JunitCase>) -> Vec<JunitCase> {
    let mut out: Vec<JunitCase> = Vec::with_capacity(cases.len());
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for c in cases {
        match index.get(&c.name) {
            Some(&i) => {
                let prev = &mut out[i];
                let failed_before = prev.outcome == CaseOutcome::Fail || prev.flaky;
                if c.outcome == CaseOutcome::Pass && failed_before {
                    prev.outcome = CaseOutcome::Pass;
                    prev.flaky = true;
                } else if c.outcome == CaseOutcome::Fail && prev.outcome == CaseOutcome::Pass {
                    prev.flaky = true;
                }
            }
            None => {
                index.insert(c.name.clone(), out.len());
                out.push(c);
            }
        }
    }
    out
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
