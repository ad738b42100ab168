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
    pub label: Option<String>,
    pub notes: Vec<String>,
    /// What kind of warning this is, for `[check] deny` (`unknown-field`).
    pub code: Option<Code>,
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

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
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
            _ => (None, None),
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
        let mut cs = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_message(&d.message)
        .with_notes(d.notes.clone());
        match (d.file, &d.span) {
            (Some(f), Some(span)) => {
                let span = clamp_span(files.source(f).map(|s| s.len()).unwrap_or(0), span);
                cs = cs.with_labels(vec![
                    Label::primary(f, span).with_message(d.label.clone().unwrap_or_default())
                ]);
            }
            (Some(f), None) => {
                cs = cs.with_notes(vec![format!("in {}", sources.path(f))]);
            }
            _ => {}
        }
        term::emit_to_write_style(out, &config, &files, &cs)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    Ok(())
}

fn clamp_span(len: usize, span: &Range<usize>) -> Range<usize> {
    let start = span.start.min(len);
    start..span.end.clamp(start, len)
}
