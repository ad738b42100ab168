//! Diagnostics as values: every stage pushes problems here with a file and a
//! byte span, keeps going, and the CLI renders them all once at the end
//! (rustc style through codespan-reporting, or JSON / SARIF).

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::{Files, SimpleFiles};
use codespan_reporting::term::{self, termcolor::WriteColor};
use serde::Serialize;

/// Index of a file in [`Sources`].
pub type FileId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in the evidence or the configuration.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub file: Option<FileId>,
    pub span: Option<Range<usize>>,
    /// `Box<str>`, not `String`: 8 bytes less, so a diagnostic with its
    /// line and column stays small enough to return by value.
    pub label: Option<Box<str>>,
    pub notes: Vec<String>,
    /// What kind of warning this is, for `[check] deny` (`unknown-field`).
    pub code: Option<Code>,
    /// Line and column (1-based) in a file whose text is not kept (a
    /// JUnit report is streamed), when there is no span to resolve. Boxed:
    /// rare.
    pub position: Option<Box<(usize, usize)>>,
}

/// A kind of warning that `[check] deny` can name. One byte: a diagnostic
/// stays small enough to be returned by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    UnknownField,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::UnknownField => "unknown-field",
        }
    }
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            file: None,
            span: None,
            label: None,
            notes: Vec::new(),
            code: None,
            position: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn at(mut self, file: FileId, span: Range<usize>) -> Self {
        self.file = Some(file);
        self.span = Some(span);
        self
    }

    pub fn in_file(mut self, file: FileId) -> Self {
        self.file = Some(file);
        self
    }

    /// In `file` at a line and column known without its text.
    pub fn at_line(mut self, file: FileId, line: usize, column: usize) -> Self {
        self.file = Some(file);
        self.position = Some(Box::new((line, column)));
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into().into_boxed_str());
        self
    }

    pub fn code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

/// The text of every file a diagnostic may point into, kept so spans can be
/// turned into line and column at the end.
#[derive(Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

pub struct SourceFile {
    /// Path relative to the evidence root, with `/`.
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl Sources {
    pub fn add(&mut self, path: String, text: String) -> FileId {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        self.files.push(SourceFile {
            path,
            text,
            line_starts,
        });
        self.files.len() - 1
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    pub fn path(&self, id: FileId) -> &str {
        &self.files[id].path
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let f = &self.files[id];
        let offset = offset.min(f.text.len());
        let line = f.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = f.line_starts[line];
        let col = f
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }
}

/// A diagnostic with its location resolved, for JSON output.
#[derive(Debug, Clone, Serialize)]
pub struct LocatedDiagnostic {
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn locate(&self, sources: &Sources) -> LocatedDiagnostic {
        let (line, column) = match (self.file, &self.span) {
            (Some(f), Some(span)) => {
                let (l, c) = sources.line_col(f, span.start);
                (Some(l), Some(c))
            }
            _ => self
                .position
                .as_deref()
                .map_or((None, None), |&(l, c)| (Some(l), Some(c))),
        };
        LocatedDiagnostic {
            severity: self.severity,
            message: self.message.clone(),
            file: self.file.map(|f| sources.path(f).to_string()),
            line,
            column,
            notes: self.notes.clone(),
        }
    }
}

/// Sort diagnostics by file and position so output is stable whatever order
/// the parallel stages found them in.
pub fn sort(diags: &mut [Diagnostic], sources: &Sources) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                d.file.map(|f| sources.path(f).to_string()),
                d.span.as_ref().map(|s| s.start),
                d.position.as_deref().copied(),
                d.severity,
                d.message.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
}

/// Render diagnostics the way rustc does, to a colour-capable writer.
pub fn emit(
    out: &mut dyn WriteColor,
    sources: &Sources,
    diags: &[Diagnostic],
) -> std::io::Result<()> {
    // Messages and the quoted source lines are evidence: escaped.
    let out = &mut crate::terminal::Escaped(out);
    let mut files = SimpleFiles::new();
    for f in &sources.files {
        files.add(f.path.as_str(), f.text.as_str());
    }
    let config = term::Config::default();
    for d in diags {
        let label = d.label.as_deref().unwrap_or_default().to_string();
        let emitted = match (d.file, &d.span) {
            (Some(f), Some(span)) => {
                let span = clamp_span(files.source(f).map(|s| s.len()).unwrap_or(0), span);
                match sources.files.get(f).and_then(|sf| clip(sf, &span)) {
                    // A line of a minified file can be megabytes: shown
                    // clipped around the span, at its true line and column.
                    Some((clipped, span)) => {
                        let cs =
                            head(d).with_labels(vec![Label::primary((), span).with_message(label)]);
                        term::emit_to_write_style(out, &config, &clipped, &cs)
                    }
                    None => {
                        let cs =
                            head(d).with_labels(vec![Label::primary(f, span).with_message(label)]);
                        term::emit_to_write_style(out, &config, &files, &cs)
                    }
                }
            }
            (Some(f), None) => {
                let at = match d.position.as_deref() {
                    Some((line, column)) => format!("at {}:{line}:{column}", sources.path(f)),
                    None => format!("in {}", sources.path(f)),
                };
                let cs = head(d).with_notes(vec![at]);
                term::emit_to_write_style(out, &config, &files, &cs)
            }
            _ => term::emit_to_write_style(out, &config, &files, &head(d)),
        };
        emitted.map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    Ok(())
}

/// A diagnostic's severity, message and notes, for any kind of file id.
fn head<F>(d: &Diagnostic) -> CsDiagnostic<F> {
    match d.severity {
        Severity::Error => CsDiagnostic::error(),
        Severity::Warning => CsDiagnostic::warning(),
    }
    .with_message(&d.message)
    .with_notes(d.notes.clone())
}

/// Lines longer than this are quoted clipped: `CONTEXT` bytes either side
/// of the span (itself cut at `LONG_LINE`), with `…` where text was left out.
const LONG_LINE: usize = 200;
const CONTEXT: usize = 60;

/// The stretch of one long line that a diagnostic quotes, as a file of one
/// line that reports the true line and column numbers.
struct Clipped<'s> {
    name: &'s str,
    /// `…`, the quoted stretch, `…`.
    source: String,
    line_number: usize,
    /// The whole file, where its line starts and the stretch starts.
    text: &'s str,
    line_start: usize,
    from: usize,
    /// Bytes of `source` before the stretch (the leading `…`).
    lead: usize,
}

/// `span` of `file` quoted from a line too long to show whole, with the span
/// in the clipped line; `None` for a line short enough.
fn clip<'s>(file: &'s SourceFile, span: &Range<usize>) -> Option<(Clipped<'s>, Range<usize>)> {
    let text = file.text.as_str();
    // Spans come from parsers; one inside a character must not panic here.
    let start = floor_boundary(text, span.start.min(text.len()));
    // The file's line starts, as for every location (`Sources::line_col`).
    let line = file.line_starts.partition_point(|&s| s <= start).max(1) - 1;
    let line_start = file.line_starts.get(line).copied().unwrap_or(0);
    let line_end = file
        .line_starts
        .get(line + 1)
        .map_or(text.len(), |&next| next - 1);
    if line_end - line_start <= LONG_LINE {
        return None;
    }
    let end = ceil_boundary(
        text,
        span.end.max(start).min(line_end).min(start + LONG_LINE),
    );
    let from = floor_boundary(text, start.saturating_sub(CONTEXT).max(line_start));
    let to = ceil_boundary(text, (end + CONTEXT).min(line_end));
    let lead = if from > line_start { "…" } else { "" };
    let tail = if to < line_end { "…" } else { "" };
    let source = format!("{lead}{}{tail}", &text[from..to]);
    let span = lead.len() + start - from..lead.len() + end - from;
    let clipped = Clipped {
        name: &file.path,
        source,
        line_number: line + 1,
        text,
        line_start,
        from,
        lead: lead.len(),
    };
    Some((clipped, span))
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

impl<'a> Files<'a> for Clipped<'_> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, _: ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.name)
    }

    fn source(&'a self, _: ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.source)
    }

    fn line_index(&'a self, _: (), _: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(0)
    }

    fn line_number(&'a self, _: (), _: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.line_number)
    }

    /// The column in the whole line, not in the stretch quoted.
    fn column_number(
        &'a self,
        _: (),
        _: usize,
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        let at = (self.from + byte.saturating_sub(self.lead)).min(self.text.len());
        let at = floor_boundary(self.text, at);
        Ok(self.text[self.line_start..at].chars().count() + 1)
    }

    fn line_range(
        &'a self,
        _: (),
        _: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        Ok(0..self.source.len())
    }
}

fn clamp_span(len: usize, span: &Range<usize>) -> Range<usize> {
    let start = span.start.min(len);
    start..span.end.clamp(start, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clipping never panics, whatever the span: inside a character, past
    /// the end, empty, reversed; and names the true column.
    #[test]
    fn a_long_line_is_clipped_at_any_span_without_panicking() {
        let line = format!("{}é{}\n", "ab".repeat(300), "z".repeat(300));
        let mut sources = Sources::default();
        let id = sources.add("f.toml".into(), format!("short\n{line}"));
        let file = sources.get(id);
        let e = 6 + 600; // the é, two bytes
        for span in [
            e..e + 1,
            e + 1..e + 2,
            0..1,
            6..7,
            e..e,
            e + 5..e,
            10_000..20_000,
        ] {
            let clipped = clip(file, &span);
            if let Some((c, s)) = clipped {
                assert!(c.source.is_char_boundary(s.start) && c.source.is_char_boundary(s.end));
                assert_eq!(c.line_number, 2);
                assert!(
                    c.source.chars().count() <= 2 * CONTEXT + LONG_LINE + 2,
                    "{span:?}"
                );
            }
        }
        let (c, s) = clip(file, &(e + 1..e + 3)).unwrap();
        assert_eq!(
            c.column_number((), 0, s.start).unwrap(),
            601,
            "the é's column"
        );
        assert!(
            clip(file, &(0..1)).is_none(),
            "a short line is quoted whole"
        );
    }
}
